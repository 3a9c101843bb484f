"""Keras models: building a face backbone (`models.backbones`, architectures in
`agecascade.backbones`), loading keras-vggface weights (`models.weights`), the age head and the
label space a model carries (`models.head`), Keras 2.2's frozen batch norm (`models.batchnorm`),
and reading saved age models (`models.files`). Import from those modules."""
