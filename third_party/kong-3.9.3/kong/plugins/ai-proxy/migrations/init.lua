return {
  "001_360_to_370",
}