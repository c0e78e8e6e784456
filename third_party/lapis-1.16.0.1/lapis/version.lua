return "1.16.0"
