return "1.14.0"
