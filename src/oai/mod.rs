//! OAI-PMH 2.0: the data provider (verbs, arguments, XML) and the harvester.
