"""What to look at when a module part's output differs from the statement's: one hint per part.

Shared by the hidden suites (the grade's feedback) and the public checks (``check()``), so a
student reads the same hint for the same mistake in both. Catalog ids (``N_``), translated
where they are shown.
"""
from __future__ import annotations

from autograder.i18n import N_

INCEPTION_HINT = (N_("each branch keeps H and W (3x3 with padding 1, 5x5 with padding 2, 3x3 max-pool stride 1 "
                     "padding 1); ReLU after each convolution; concatenate b1, b2, b3, b4 in that order (dim=1)."))

RESIDUAL_HINT = N_("out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)); the stride goes in conv1 and in the shortcut.")

LENET_HINT = (N_("conv → ReLU → 2x2 max-pool twice, flatten (N, 16·7·7) in torch.flatten's order, "
                 "ReLU after fc1 and fc2, and fc3 returns logits (no softmax)."))

RESNET_HINT = (N_("check the stem (conv1 7x7 stride 2, bn1, ReLU, 3x3 max-pool stride 2 padding 1), the stride 2 "
                  "of the first block of layer2..layer4, the global average and fc."))

GOOGLENET_HINT = (N_("stem: conv1 7x7 stride 2 + ReLU + maxpool, conv2 1x1 + ReLU, conv3 3x3 + ReLU + maxpool; then "
                     "3a, 3b, maxpool3, 4a-4e, maxpool4, 5a, 5b; global average, flatten, dropout and fc (no softmax)."))

DOUBLE_CONV_HINT = (N_("conv1 (in → out) and conv2 (out → out), both 3x3 with the given padding and bias; ReLU after "
                       "each one; no batch norm."))

UNET_HINT = (N_("encoder: DoubleConv and 2x2 max-pool between levels; decoder: up[i], then "
                "cat([center_crop(skip, x.shape[-2:]), x], dim=1) (the skip first), then up_conv[i]; at the end head."))

NET_HINT = {
    "AlexNet": N_("features -> avgpool (6x6) -> flatten -> classifier, and in classifier ReLU after the first two "
               "linear layers (dropout before each one); final fc without ReLU or softmax."),
    "vgg16": N_("features -> avgpool (7x7) -> flatten -> classifier, and in classifier ReLU after the first two linear "
             "layers; the last one returns logits (no ReLU or softmax)."),
}

FEATURES_HINT = N_("check each layer of features: kernel size, padding and stride of each convolution and "
                   "of each max-pooling, and the ReLU after each convolution.")
