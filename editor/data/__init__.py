"""The dataset dock (``panel.DatasetPanel``): generated toy problems, bundled datasets, CSV import
and drawn points. ``specs`` is Qt-free and imported by the document; import the panel from
``editor.data.panel``."""
