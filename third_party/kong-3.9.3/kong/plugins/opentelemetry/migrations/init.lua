return {
  "001_331_to_332",
}
