"""Platform services behind small interfaces, each chosen once and lazily."""
