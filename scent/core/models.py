"""No models. The module exists so Django sends this app `post_migrate` (it skips apps
without a models module), which creates the database cache table (scent.core.cache)."""
