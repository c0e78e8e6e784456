return require("kong.plugins.pre-function.migrations._001_280_to_300")("post-function")
