"""ResNet-50 of keras-vggface: a VGGFace2 model, 8,631 identities; without its classifier
23,561,152 parameters. Head: its pooled 2,048 features -> softmax.

The thesis' mode-a row ran on Keras 2.2, which normalised a frozen batch-norm layer with batch
statistics in training (`models.batchnorm`): that row stands beside `resnet50-faces2-keras2`; the
`-faces2` row of today's Keras (inference-mode batch norm) has no thesis value.
"""

from agecascade.backbones._resnet import vggface2_resnet
from agecascade.backbones.spec import ThesisRow

BACKBONE = vggface2_resnet("resnet50", "ResNet-50", se=False, parameters=23_561_152, thesis={
    "faces2": ThesisRow("ResNet-50-Faces2 (frozen BN in inference mode: today's Keras)"),
    "faces2-keras2": ThesisRow("ResNet-50-Faces2 (Keras 2.2 frozen BN: the thesis' software)",
                               12.28, 12.02, 14.43, 10.18),
    "imdb": ThesisRow("ResNet-50-IMDB", 4.33, 3.46, 5.12, 2.71),
})
