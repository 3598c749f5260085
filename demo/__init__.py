"""Demo data: a small, believable, made-up world for trying socialrx out
(``python manage.py seed_demo``). No app imports this package; it imports the apps."""
