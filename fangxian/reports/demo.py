def load(**kw): pass
