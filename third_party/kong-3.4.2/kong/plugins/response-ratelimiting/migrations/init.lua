return {
  "000_base_response_rate_limiting",
}
