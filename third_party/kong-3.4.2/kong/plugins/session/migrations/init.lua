return {
  "000_base_session",
  "001_add_ttl_index",
  "002_320_to_330",
}
