"""Package the offline edition as a BagIt bag, check a bag, or zip one for transfer.

python scripts/bag.py make --src OFFLINE_DIR --bag BAG_DIR [--zip FILE] [--bagging-date DATE]
python scripts/bag.py verify BAG            (a bag folder or its zip)
python scripts/bag.py zip --bag BAG_DIR --out FILE
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsarchive.fixity import (  # noqa: E402
    FixityError,
    bagging_date,
    make_bag,
    verify_bag,
    write_zip,
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("make", help="bag an offline edition (sha256 + sha512 manifests)")
    make.add_argument("--src", type=Path, required=True, help="the offline edition's folder")
    make.add_argument("--bag", type=Path, required=True, help="the bag folder to create")
    make.add_argument("--zip", type=Path, help="also write the bag as this zip file")
    make.add_argument(
        "--bagging-date", help="Bagging-Date, YYYY-MM-DD (default: $SOURCE_DATE_EPOCH, else today)"
    )
    make.add_argument(
        "--organization", default="News Archive", help="Source-Organization in bag-info.txt"
    )
    verify = commands.add_parser("verify", help="validate a bag folder or zip; name every problem")
    verify.add_argument("bag", type=Path)
    pack = commands.add_parser("zip", help="write a bag folder as one deterministic zip")
    pack.add_argument("--bag", type=Path, required=True)
    pack.add_argument("--out", type=Path, required=True)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.getLogger("bagit").setLevel(logging.CRITICAL)  # problems are printed below
    try:
        if args.command == "make":
            date = bagging_date(args.bagging_date)
            bag = make_bag(args.src, args.bag, args.organization, date)
            print(f"bag: {bag}")
            if args.zip:
                print(f"zip: {write_zip(bag, args.zip, date)}")
        elif args.command == "zip":
            print(f"zip: {write_zip(args.bag.resolve(), args.out)}")
        else:
            problems = verify_bag(args.bag)
            for problem in problems:
                print(f"{args.bag}: {problem}", file=sys.stderr)
            if problems:
                print(f"{args.bag}: NOT valid ({len(problems)} problems)", file=sys.stderr)
                return 1
            print(f"{args.bag}: valid")
    except (FixityError, ValueError) as exc:
        print(f"bag: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
