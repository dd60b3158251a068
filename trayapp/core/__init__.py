"""Pure model and AWS logic: no GUI toolkit is imported below this package."""
