"""One reader per input format; each turns raw bytes into an Article or raises InputRejected."""
