return {
  "001_200_to_210",
}
