"""SENet-50 of keras-vggface: ResNet-50 with squeeze-and-excitation blocks, a VGGFace2 model,
8,631 identities; without its classifier 26,092,144 parameters. Head: its pooled 2,048 features
-> softmax. Its mode-a thesis row is Keras 2.2's (see `backbones.resnet50`)."""

from __future__ import annotations

from agecascade.backbones._resnet import pooled_head, resnet50_body
from agecascade.backbones.spec import Backbone, ThesisRow


def features(x):
    return resnet50_body(x, se=True)


BACKBONE = Backbone(
    name="senet50", label="SENet-50", preprocessing=2, weight_file="rcmalli_vggface_tf_notop_senet50.h5",
    parameters=26_092_144, first_conv="conv1__7x7_s2", last_conv="conv5_3_1x1_increase", hidden_layers=("avg_pool",),
    features=features, head=pooled_head,
    thesis={"faces2": ThesisRow("SENet-50-Faces2 (frozen BN in inference mode: today's Keras)"),
            "faces2-keras2": ThesisRow("SENet-50-Faces2 (Keras 2.2 frozen BN: the thesis' software)",
                                       8.61, 7.21, 10.13, 5.95),
            "imdb": ThesisRow("SENet-50-IMDB", 4.24, 3.20, 5.17, 2.28)},
)
