VALUE = "imported through PYTHONPATH"
