print("gmemd")
