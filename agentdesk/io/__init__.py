"""Getting data in and out of the store: importers, exporters and the demo data set."""
