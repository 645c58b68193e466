"""Analytics' own tables: daily rollups built from the append-only ``core.Event`` log."""
