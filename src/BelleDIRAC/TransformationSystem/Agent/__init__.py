"""Belle II transformation agents' code: the TransformationPlugin extension (see ``PluginLocation``)."""
