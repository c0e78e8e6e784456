return require("pgmoon.init")
