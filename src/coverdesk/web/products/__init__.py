"""The product catalogue as staff read it: products, versions, coverages, clauses, checklists."""
