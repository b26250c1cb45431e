@aws
runtime python3.11
