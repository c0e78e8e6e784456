
return {
	whitelist_globals = {
		["."] = {"ngx"}
	}
}
