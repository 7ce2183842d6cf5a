"""Organisation pages, one module per feature: trees, people, assignments, coverage,
autocomplete. Views are thin: roles are checked with `require_roles`, objects are found
through the scoped selectors (404 outside the scope), writes go through services."""
