not_globals = {
    "string.len",
    "table.getn",
}


exclude_files = {
    "here/**",
    "spec/**",
}

