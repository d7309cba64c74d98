"""nerve.applications: the model zoo, each model a function returning a Model.

Every builder's docstring gives its reference and parameter count. The registry maps
the short names the ``nerve`` command uses (``nerve models`` lists them) to builders.
"""

from . import gpt_training
from .gpt import GPT, shakespeare_char_gpt
from .alexnet import AlexNet
from .captioner import Captioner
from .fcn import FCN
from .googlenet import GoogLeNet
from .lenet import LeNet5
from .mlp import MLP
from .registry import describe, get, names, recipe, register
from .resnet import ResNet18, ResNet20, ResNet32, ResNet34, ResNet50, ResNet56, ResNet101
from .simple_cnn import SimpleCNN
from .vgg import VGG16, VGG19, CifarVGG
from .autoencoder import ConvAutoencoder, DenseAutoencoder
from .gan import GAN, ConditionalGAN, DCGAN
from .vae import VAE, VariationalAutoencoder

# recipes: measured on MNIST with Adam and cosine decay (see nerve.cli)
register("lenet5", LeNet5, "LeNet-5 (LeCun et al. 1998), 61,706 params; --modern: ReLU + max pooling",
         recipe={"epochs": 5, "batch_size": 32, "lr": 2e-3})
register("mlp", MLP, "multilayer perceptron 784-256-256-10, 269,322 params",
         recipe={"epochs": 5, "batch_size": 64, "lr": 1e-3})
register("simple_cnn", SimpleCNN, "Keras's MNIST convnet: 2 conv + dropout, 34,826 params",
         recipe={"epochs": 8, "batch_size": 128, "lr": 3e-3})
# the CNN families (issue 13): ImageNet-sized by default; `nerve train` builds them for the dataset's images
register("alexnet", AlexNet, "AlexNet (Krizhevsky et al. 2012), torchvision's single tower: 61,100,840 params "
         "(224x224, 1000 classes; sides >= 63)")
register("vgg16", VGG16, "VGG16 (Simonyan & Zisserman 2015), Keras's layers and names: 138,357,544 params")
register("vgg19", VGG19, "VGG19 (Simonyan & Zisserman 2015), Keras's layers and names: 143,667,240 params")
register("googlenet", GoogLeNet, "GoogLeNet / Inception v1 (Szegedy et al. 2015) with batch norm as torchvision: "
         "6,624,904 trainable params")
register("resnet18", ResNet18, "ResNet-18 (He et al. 2016), torchvision's: 11,689,512 trainable params")
register("resnet34", ResNet34, "ResNet-34 (He et al. 2016), torchvision's: 21,797,672 trainable params")
register("resnet50", ResNet50, "ResNet-50 (He et al. 2016), Keras's layers and names: 25,636,712 params")
register("resnet101", ResNet101, "ResNet-101 (He et al. 2016), Keras's layers and names: 44,707,176 params")
# CIFAR ResNets: SGD momentum 0.9, cosine decay, pad-4 crop + flip; weight decay is decoupled
# (w <- w - lr*wd*w), so 5e-3 matches PyTorch's coupled 5e-4 under momentum 0.9 (x 1/(1-0.9)).
# ResNet-20 on the JPEG mirror: 88.34% after 80 epochs, 86.76% after 30 (README); the paper's 91.25% not reached.
_CIFAR_RECIPE = {"epochs": 80, "batch_size": 128, "optimizer": "sgd", "lr": 0.1, "momentum": 0.9,
                 "weight_decay": 5e-3, "augment": True}
register("resnet20", ResNet20, "ResNet-20 for CIFAR (He et al. 2016 sec. 4.2), option A shortcuts (identity "
         "+ zero padding): 269,722 trainable params", recipe=_CIFAR_RECIPE)
register("cifar_vgg", CifarVGG, "VGG-style net for 32x32 colour images: 2x(conv, conv, pool) with 32 and 64 filters, "
         "Dense 256: 1,116,970 params", recipe={"epochs": 15, "batch_size": 128, "lr": 1e-3, "augment": True})
register("resnet32", ResNet32, "ResNet-32 for CIFAR, option A shortcuts: 464,154 trainable params",
         recipe=_CIFAR_RECIPE)
register("resnet56", ResNet56, "ResNet-56 for CIFAR, option A shortcuts: 853,018 trainable params",
         recipe=_CIFAR_RECIPE)
register("gpt", shakespeare_char_gpt, "GPT (nanoGPT) for characters: 4 layers, 4 heads, 128 wide, block 64, "
         "804,096 params (nerve train gpt --dataset tinyshakespeare)", recipe={"iters": 2000, "batch_size": 12, "lr": 1e-3})
# generative models: nerve.applications.generative_run trains them
register("dcgan", DCGAN, "DCGAN (Radford et al. 2016) for 28x28 digits, z 64, width 32: 283,362 params",
         recipe={"epochs": 3, "batch_size": 64, "lr": 2e-4})
register("cgan", ConditionalGAN, "label-conditioned DCGAN (Mirza & Osindero 2014), z 64, width 32: 319,842 params",
         recipe={"epochs": 3, "batch_size": 64, "lr": 2e-4})
register("vae", VariationalAutoencoder, "dense variational autoencoder (Kingma & Welling 2014), z 16: "
         "1,079,600 params", recipe={"epochs": 10, "batch_size": 128, "lr": 1e-3})
register("autoencoder", ConvAutoencoder, "convolutional autoencoder, code 32: 120,769 params; "
         "--noise: denoising", recipe={"epochs": 2, "batch_size": 128, "lr": 1e-3})

__all__ = ["GPT", "gpt_training", "LeNet5", "MLP", "SimpleCNN", "AlexNet", "GoogLeNet", "ResNet18", "ResNet20",
           "ResNet32", "ResNet34", "CifarVGG", "ResNet50", "ResNet56", "ResNet101", "VGG16", "VGG19", "describe", "get", "names", "recipe", "register"]

__all__ += ["ConditionalGAN", "ConvAutoencoder", "DCGAN", "DenseAutoencoder", "GAN", "VAE", "VariationalAutoencoder"]
# seeing whole scenes (issue 16): trained on nerve.datasets.mnist_scenes
register("fcn", FCN, "FCN-8s (Long et al. 2015) for 64x64 digit scenes, 11 classes: 988,593 params; "
         "--variant 32s/16s/8s", recipe={"epochs": 8, "batch_size": 32, "lr": 2e-3})
register("captioner", Captioner, "Show and Tell (Vinyals et al. 2015) for digit scenes: CNN -> LSTM(256) initial "
         "state, 25 words", recipe={"epochs": 8, "batch_size": 64, "lr": 2e-3})
# detection (issue 16): nerve.applications.detection_run trains them; `summary` shows the per-region
# network of R-CNN and the shared backbone of Fast R-CNN (its head: fast_rcnn.fast_rcnn_head)
from .rcnn import RCNN, rcnn_classifier  # noqa: E402
from .fast_rcnn import FastRCNN, fast_rcnn_backbone  # noqa: E402
register("rcnn", rcnn_classifier, "R-CNN (Girshick et al. 2014) for digit scenes: dense ink-filtered proposals, "
         "each warped to 24x24 and classified (11 classes) + box regression: 324,915 params",
         recipe={"epochs": 3, "batch_size": 4, "lr": 1e-3})
register("fast_rcnn", fast_rcnn_backbone, "Fast R-CNN (Girshick 2015) for digit scenes: shared stride-4 convolutions, "
         "RoIAlign 6x6, the same head as rcnn: 324,915 params", recipe={"epochs": 3, "batch_size": 4, "lr": 1e-3})
