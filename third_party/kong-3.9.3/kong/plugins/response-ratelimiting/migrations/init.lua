return {
  "000_base_response_rate_limiting",
  "001_350_to_360",
}
