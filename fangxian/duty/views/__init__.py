"""The duty app's pages, one module per job."""
