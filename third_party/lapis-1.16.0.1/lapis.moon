
require "lapis.init"
