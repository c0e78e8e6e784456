require "lapis.nginx.cache"
