"""Nobody: the command line and the one settings object shared by bot/, inference/ and models/."""
