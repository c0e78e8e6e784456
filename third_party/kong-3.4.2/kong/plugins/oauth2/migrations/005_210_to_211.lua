return {
  postgres = {
    up = [[ SELECT 1 ]],
  },
}
