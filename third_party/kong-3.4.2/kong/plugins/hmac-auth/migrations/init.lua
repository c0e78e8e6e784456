return {
  "000_base_hmac_auth",
  "002_130_to_140",
  "003_200_to_210",
}
