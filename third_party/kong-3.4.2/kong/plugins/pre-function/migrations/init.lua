return {
  "001_280_to_300",
}
