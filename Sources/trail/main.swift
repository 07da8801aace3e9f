print("trail: demo coming")
