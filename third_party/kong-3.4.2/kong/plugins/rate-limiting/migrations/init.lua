return {
  "000_base_rate_limiting",
  "003_10_to_112",
  "004_200_to_210",
  "005_320_to_330",
}
