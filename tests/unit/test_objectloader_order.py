"""Extensions stay ahead of DIRAC in ObjectLoader after the reload every DIRAC command does."""

from DIRAC.Core.Utilities.ObjectLoader import ObjectLoader

import BelleDIRAC


def test_reload_keeps_extensions_first():
    BelleDIRAC.extension_metadata()  # what DIRAC calls first; installs the fix
    loader = ObjectLoader()
    loader.reloadRootModules()
    loader.reloadRootModules()
    roots = loader._ObjectLoader__rootModules
    assert roots.index("BelleDIRAC") < roots.index("DIRAC") and roots.index("BelleRawDIRAC") < roots.index("BelleDIRAC")
    found = loader.loadObject("Resources.Catalog.RucioFileCatalogClient")
    assert found["OK"] and found["Value"].__module__.startswith("BelleDIRAC."), found
