"""SENet-50 of keras-vggface: ResNet-50 with squeeze-and-excitation blocks, a VGGFace2 model,
8,631 identities; without its classifier 26,092,144 parameters. Head: its pooled 2,048 features
-> softmax. Its mode-a thesis row is Keras 2.2's (see `backbones.resnet50`)."""

from agecascade.backbones._resnet import vggface2_resnet
from agecascade.backbones.spec import ThesisRow

BACKBONE = vggface2_resnet("senet50", "SENet-50", se=True, parameters=26_092_144, thesis={
    "faces2": ThesisRow("SENet-50-Faces2 (frozen BN in inference mode: today's Keras)"),
    "faces2-keras2": ThesisRow("SENet-50-Faces2 (Keras 2.2 frozen BN: the thesis' software)", 8.61, 7.21, 10.13, 5.95),
    "imdb": ThesisRow("SENet-50-IMDB", 4.24, 3.20, 5.17, 2.28),
})
