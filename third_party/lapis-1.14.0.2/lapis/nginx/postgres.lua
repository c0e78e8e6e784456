return error("The module `lapis.nginx.postgres` has moved to `lapis.db.postgres`\nPlease update your require statements as the old path is no longer available.")
