return {
  "000_base_acme",
  "001_280_to_300",
  "002_320_to_330",
}
