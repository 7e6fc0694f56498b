"""Publishing by `git push`: the post-receive hook against a real bare repository, and the
CI workflows (GitHub Actions, GitLab CI) checked against the Makefile they must drive."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.bench_deploy import copy_project, git_env, hooked_repository
from tests.conftest import FIXTURES, ROOT, run_import

HARBOUR = "2018/03/14/harbour-bridge-plan-wins-council-vote-after-six-hour-debate/index.html"
GIT_IDENTITY = [
    "-c",
    "user.name=Editor",
    "-c",
    "user.email=editor@example.invalid",
    "-c",
    "commit.gpgsign=false",
]
BROKEN_STORY = """Title: A story with a broken date
Date: the day after tomorrow
Slug: broken-date

This story's date cannot be read.
"""


def git(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", *GIT_IDENTITY, *map(str, args)],
        cwd=cwd,
        env=git_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.fixture
def server(tmp_path: Path) -> dict[str, Path]:
    """A bare repository with the hook installed, configured like deploy/README.md says."""
    bare, work = hooked_repository(tmp_path)
    webroot = tmp_path / "www" / "archive"
    return {"bare": bare, "webroot": webroot, "work": work, "tmp": tmp_path}


def commit_and_push(work: Path, message: str) -> subprocess.CompletedProcess:
    assert git("add", "--all", cwd=work).returncode == 0
    assert git("commit", "--quiet", "-m", message, cwd=work).returncode == 0
    return git("push", "origin", "HEAD:main", cwd=work)


def test_push_publishes_and_a_broken_push_keeps_the_live_site(server):
    work, webroot = server["work"], server["webroot"]
    copy_project(work)
    run_import(work / "content", server["tmp"] / "report.jsonl", FIXTURES / "text")

    pushed = commit_and_push(work, "Three stories")
    output = pushed.stdout + pushed.stderr
    assert pushed.returncode == 0, output
    assert "remote: deploy: live:" in output, output
    assert webroot.is_symlink()
    story = (webroot / HARBOUR).read_text(encoding="utf-8")
    assert "Harbour bridge plan wins council vote" in story
    assert "https://archive.example.test/" in story  # built with publishconf.py and SITEURL
    assert (webroot / "pagefind" / "pagefind-entry.json").is_file()
    live = webroot.resolve()
    home = (webroot / "index.html").read_bytes()

    (work / "content" / "articles" / "broken-date.md").write_text(BROKEN_STORY, encoding="utf-8")
    pushed = commit_and_push(work, "A story with a broken date")
    output = pushed.stdout + pushed.stderr
    assert pushed.returncode == 0, output  # the commit is accepted; only the release fails
    assert "remote: deploy: FAILED:" in output, output
    assert re.search(r"remote: deploy: FAILED: .*Could not process .*broken-date\.md", output)
    assert f"the live site is unchanged: {live.name}" in output
    assert webroot.resolve() == live
    assert (webroot / "index.html").read_bytes() == home
    assert (webroot / HARBOUR).is_file()
    releases = webroot.resolve().parent
    assert not [p.name for p in releases.iterdir() if p.name.endswith(".partial")]

    (work / "content" / "articles" / "broken-date.md").unlink()
    (work / "content" / "articles" / "fixed.md").write_text(
        BROKEN_STORY.replace("the day after tomorrow", "2019-05-01").replace(
            "broken-date", "fixed-date"
        ),
        encoding="utf-8",
    )
    pushed = commit_and_push(work, "Fix the date")
    assert "remote: deploy: live:" in pushed.stdout + pushed.stderr
    assert (webroot / "2019/05/01/fixed-date/index.html").is_file()
    assert webroot.resolve() != live and live.is_dir()  # the previous release is kept


NEW_STORY = """Title: Ferry timetable adds a late crossing
Date: 2019-06-02 08:15
Slug: ferry-timetable-late-crossing

The harbour ferry will run a crossing at eleven at night from next month, the operator said.
"""


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (symlinks as their target) by relative path."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            found[path.relative_to(folder).as_posix()] = str(path.readlink()).encode()
        elif path.is_file():
            found[path.relative_to(folder).as_posix()] = path.read_bytes()
    return found


def deploy_line(output: str) -> str:
    match = re.search(r"remote: deploy: building \S+ into \S+ \((.*)\)", output)
    assert match, output
    return match[1]


def test_content_push_builds_over_the_last_build_and_equals_a_clean_build(server):
    """A push that only adds or deletes stories builds over the previous build (Pelican's
    caches, unchanged Pagefind shards kept); the release it makes is byte for byte the one
    a clean build of the same commit makes, and the previous release is never touched."""
    work, webroot, bare = server["work"], server["webroot"], server["bare"]
    assert git("config", "deploy.keep", "2", cwd=bare).returncode == 0
    copy_project(work)
    run_import(work / "content", server["tmp"] / "report.jsonl", FIXTURES / "text")
    pushed = commit_and_push(work, "Three stories")
    assert deploy_line(pushed.stderr) == "clean build: no previous good build"
    first = webroot.resolve()
    first_files = tree(first)
    shards = webroot.resolve().parent.parent / "build" / "pagefind" / "shards"
    before = {p.name: p.stat().st_ino for p in shards.iterdir()}
    assert sorted(name[:4] for name in before) == ["2017", "2018", "2019"]

    story = work / "content" / "articles" / "ferry-timetable-late-crossing.md"
    story.write_text(NEW_STORY, encoding="utf-8")
    pushed = commit_and_push(work, "One more story")
    assert deploy_line(pushed.stderr).startswith("incremental build: 1 content file(s) changed")
    assert "remote: deploy: live:" in pushed.stderr, pushed.stderr
    page = "2019/06/02/ferry-timetable-late-crossing/index.html"
    assert "Ferry timetable adds a late crossing" in (webroot / page).read_text(encoding="utf-8")
    assert tree(first) == first_files  # the release that was live is untouched
    incremental = tree(webroot.resolve())
    assert incremental != first_files
    # The new release shares the files that did not change with the previous one (hard
    # links, like rsync --link-dest) and has its own copy of the ones that did.
    second = webroot.resolve()
    shared = re.search(r"(\d+) files copied, (\d+) shared with the previous release", pushed.stderr)
    assert shared and int(shared[1]) > 0 and int(shared[2]) > 0, pushed.stderr
    kept = next((second / "pagefind" / "shards").glob("2017-*/pagefind-entry.json"))
    assert kept.samefile(first / kept.relative_to(second))
    assert not (second / "sitemap.xml").samefile(first / "sitemap.xml")
    # Built over the last build: only the 2019 shard was indexed again.
    after = {p.name: p.stat().st_ino for p in shards.iterdir()}
    assert {n: i for n, i in after.items() if not n.startswith("2019")} == {
        n: i for n, i in before.items() if not n.startswith("2019")
    }
    assert [n for n in after if n.startswith("2019")] != [n for n in before if n.startswith("2019")]

    # The same commit again, from an empty folder: the same bytes, file for file.
    again = subprocess.run(
        [
            sys.executable,
            bare / "hooks" / "release.py",
            "--git-dir",
            bare,
            "deploy",
            "--clean",
            "main",
        ],
        capture_output=True,
        text=True,
        check=False,
        env=git_env(),
        timeout=600,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert "(clean build: asked for)" in again.stdout
    clean = tree(webroot.resolve())
    assert sorted(clean) == sorted(incremental)
    assert [name for name in clean if clean[name] != incremental[name]] == []

    # Deleting a story is content too: its page goes, incrementally.
    story.unlink()
    pushed = commit_and_push(work, "Withdraw the ferry story")
    assert deploy_line(pushed.stderr).startswith("incremental build: 1 content file(s) changed")
    assert not (webroot / page).exists()
    assert tree(webroot.resolve()) == first_files

    # A theme change can touch every page: clean build.
    style = work / "theme" / "static" / "css" / "site.css"
    style.write_text(style.read_text(encoding="utf-8") + "\n/* wider margins */\n", "utf-8")
    pushed = commit_and_push(work, "Theme tweak")
    assert deploy_line(pushed.stderr) == "clean build: theme/static/css/site.css changed"
    assert (webroot / "theme" / "css" / "site.css").read_text().endswith("wider margins */\n")
    state = webroot.resolve().parent.parent
    timing = r"\(\d+\.\d s: build \d+\.\d, copy \d+\.\d; \d+ files copied, \d+ shared with"
    assert re.search(timing, pushed.stderr)
    # The previous build (moved aside for the clean one) and the releases beyond
    # deploy.keep = 2 are deleted in the background once the new release is live.
    assert "remote: deploy: removed old release" in pushed.stderr
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and [
        *state.glob("*.deleting-*"),
        *(state / "releases").glob("*.deleting-*"),
    ]:
        time.sleep(0.2)
    assert sorted(p.name for p in state.iterdir() if p.name.startswith("build")) == [
        "build",
        "build.commit",
    ]
    releases = sorted(p.name for p in (state / "releases").iterdir())
    assert len(releases) == 2 and webroot.resolve().name == releases[-1]


def test_push_to_another_branch_publishes_nothing(server):
    work = server["work"]
    (work / "notes.txt").write_text("draft\n", encoding="utf-8")
    assert git("add", "--all", cwd=work).returncode == 0
    assert git("commit", "--quiet", "-m", "notes", cwd=work).returncode == 0
    pushed = git("push", "origin", "HEAD:drafts", cwd=work)
    assert pushed.returncode == 0
    assert "only branch 'main' is published" in pushed.stderr
    assert not server["webroot"].exists()


def test_release_log_scan_names_pelicans_errors():
    sys.path.insert(0, str(ROOT / "deploy"))
    try:
        import release
    finally:
        sys.path.remove(str(ROOT / "deploy"))
    log = (
        "[23:42:00] ERROR    Could not process articles/broken.md      generators.py:721\n"
        "[23:42:00] WARNING  Empty alt attribute                        readers.py:9\n"
        "           CRITICAL PelicanTemplateNotFound: no 404           __init__.py:683\n"
        "Done: Processed 7 articles\n"
    )
    assert release.log_problems(log) == [
        ("ERROR", "Could not process articles/broken.md"),
        ("CRITICAL", "PelicanTemplateNotFound: no 404"),
    ]


def test_a_release_made_in_the_same_second_as_the_last_one_still_sorts_after_it(tmp_path):
    """Release names sort in deploy order (prune and rollback go by name), even when two
    deploys finish within one second and the later commit's hash sorts first."""
    sys.path.insert(0, str(ROOT / "deploy"))
    try:
        import release
    finally:
        sys.path.remove(str(ROOT / "deploy"))
    config = release.DeployConfig(
        git_dir=tmp_path / "repo.git",
        state=tmp_path / "state",
        webroot=tmp_path / "www",
        venv=tmp_path / "venv",
        install=False,
        python=sys.executable,
        siteurl=None,
        keep=2,
        branch=None,
    )
    now = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() + 5))  # a clock ahead
    (config.releases / f"{now}-ffffffffffff").mkdir(parents=True)
    made = release.new_release_path(config, "000000000000aaaa")
    made.mkdir()
    again = release.new_release_path(config, "000000000000bbbb")
    assert [p.name for p in release.releases(config)][-1] == made.name
    assert sorted([made.name, again.name, f"{now}-ffffffffffff"])[-1] == again.name
    assert made.name > f"{now}-ffffffffffff" and again.name.endswith("-000000000000")


# --- CI workflows ----------------------------------------------------------------------------

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
OFFICIAL_ACTION = re.compile(r"^actions/[\w.-]+@(v\d+|[0-9a-f]{40})$")


def load(path: Path) -> dict:
    yaml = pytest.importorskip("yaml")  # PyYAML, from the [test] extra
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(workflow: dict) -> dict:
    # YAML 1.1 reads a bare `on` key as True.
    on = workflow.get("on", workflow.get(True))
    return dict.fromkeys(on) if isinstance(on, list) else dict(on)


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([a-z][\w-]*):(?!=)", text, flags=re.MULTILINE))


def make_invocations(script: str) -> list[str]:
    """The target of every `make <target>` in a shell script."""
    return re.findall(r"(?:^|[;&|]\s*|\bthen\s+)make\s+(?:-\S+\s+)*([a-z][\w-]*)", script, re.M)


def test_workflows_parse_and_use_only_official_pinned_actions():
    assert {p.name for p in WORKFLOWS} >= {"pages.yml", "tests.yml"}
    for path in WORKFLOWS:
        workflow = load(path)
        assert workflow["jobs"], path
        for step in steps(workflow):
            if "uses" in step:
                assert OFFICIAL_ACTION.match(step["uses"]), f"{path.name}: {step['uses']}"


def test_workflow_run_steps_use_existing_make_targets():
    targets = make_targets()
    assert {"publish", "test", "import", "lint"} <= targets
    scripts = [step["run"] for path in WORKFLOWS for step in steps(load(path)) if "run" in step]
    gitlab = load(ROOT / ".gitlab-ci.yml")
    scripts += [
        line for job in gitlab.values() if isinstance(job, dict) for line in job.get("script", [])
    ]
    used = [target for script in scripts for target in make_invocations(script)]
    assert used and set(used) <= targets, used


def test_pages_workflow_builds_with_publish_and_deploys_with_pages_actions():
    workflow = load(ROOT / ".github" / "workflows" / "pages.yml")
    assert "push" in triggers(workflow)
    build = workflow["jobs"]["build"]
    assert "default_branch" in build["if"]
    uses = [step.get("uses", "").split("@")[0] for step in steps(workflow)]
    for action in (
        "actions/configure-pages",
        "actions/upload-pages-artifact",
        "actions/deploy-pages",
    ):
        assert action in uses
    publish = next(s for s in build["steps"] if "make publish" in s.get("run", ""))
    assert publish["env"]["SITEURL"] == "${{ steps.pages.outputs.base_url }}"
    upload = next(s for s in build["steps"] if "upload-pages-artifact" in s.get("uses", ""))
    assert upload["with"]["path"] == "output"  # the Makefile's OUTPUTDIR
    inbox = next(s for s in build["steps"] if "inbox" in s.get("run", ""))
    assert "make import SAMPLES=inbox" in inbox["run"]
    caches = [s for s in build["steps"] if s.get("uses", "").startswith("actions/cache@")]
    keys = " ".join(s["with"]["key"] for s in caches)
    assert "hashFiles('pyproject.toml'" in keys and "pelicanconf.py" in keys
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}


def test_tests_workflow_runs_make_test_on_pull_requests():
    workflow = load(ROOT / ".github" / "workflows" / "tests.yml")
    assert "pull_request" in triggers(workflow)
    assert any("make test" in step.get("run", "") for step in steps(workflow))


def test_gitlab_pages_job_publishes_public():
    gitlab = load(ROOT / ".gitlab-ci.yml")
    pages = gitlab["pages"]
    assert pages["artifacts"]["paths"] == ["public"]
    assert any("make publish" in line and "public" in line for line in pages["script"])
    assert pages["variables"]["SITEURL"] == "$CI_PAGES_URL"
    assert any("make test" in line for line in gitlab["test"]["script"])


def test_hook_is_executable_and_documented():
    hook = ROOT / "deploy" / "post-receive"
    assert os.access(hook, os.X_OK)
    readme = (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")
    for key in re.findall(r"deploy\.[a-z]+", (ROOT / "deploy" / "release.py").read_text()):
        assert key in readme, key
