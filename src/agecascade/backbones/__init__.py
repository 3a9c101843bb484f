"""Face backbones, one module per architecture (as Keras applications keeps them).

Each module defines `BACKBONE`, an `agecascade.backbones.spec.Backbone`: its builder, its
keras-vggface weight file and preprocessing, its layer names and the thesis' values of its
variants. `agecascade.backbones.registry` finds every such module in this package; the vocabulary,
the config schema's enums, the age head, the figures and the tables derive from it. Adding a
backbone is its module here plus its config entries (`weights.<name>`, `training.chains.<name>`).
"""
