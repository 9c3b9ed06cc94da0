print("gmemd: not built yet")
