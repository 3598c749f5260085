"""One module per kind of file, each with its importer. The formats are described in
docs/imports.md.

Case records (people, referrals, conversations, connections, champions) are matched on the
source system's ``*_ref``; a reference to a person or asset that is not in the database is a
bad row, and every created or changed record of a person is audited."""
