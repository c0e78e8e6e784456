return require("kong.plugins.pre-function._handler")(-1000)
