"""python -m newsearch: the same as the newsearch command."""

from newsearch.cli import main

if __name__ == "__main__":
    main()
