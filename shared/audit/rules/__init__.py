"""The check families of issue 13, one module each (links, content, security, structured data, resources).

``registry`` runs them; ``texts`` holds their catalogue entries (imported by ``shared.audit.catalogue``,
so nothing here may import a family module at package import time).
"""
