"""The PyTorch twin of lib/unet.ts's createUNet (NCHW instead of NHWC), for bench/reference.py's
U-Net row and tests/reference/diffusion_training_reference.py. Same blocks, same order, same
initialisation (nn.Linear / nn.Conv2d defaults, the zero-started convolutions, nn.Embedding's
N(0, 1) class table):

  emb = W2 silu(W1 sinusoids(t, E)) [+ e(c)]                         [B, Te], Te = 4 C0
  h = conv_in(x); down: h = res(h); skip; h = stride-2 conv (not at the last level)
  middle res; up: h = res(cat(h, skip)); nearest x2 then conv to C_{l-1} (not at l = 0)
  eps = conv_out(silu(gn(h)))
res(x) = skip(x) + conv2(silu(gn2(conv1(silu(gn1(x))) + proj(emb)))), conv2 starting at 0.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def zero(module):
    nn.init.zeros_(module.weight)
    nn.init.zeros_(module.bias)
    return module


class ResBlock(nn.Module):
    def __init__(self, c_in, c_out, te, groups):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, c_in)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.emb_proj = nn.Linear(te, c_out)
        self.norm2 = nn.GroupNorm(groups, c_out)
        self.conv2 = zero(nn.Conv2d(c_out, c_out, 3, padding=1))
        self.skip = None if c_in == c_out else nn.Conv2d(c_in, c_out, 1)

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x))) + self.emb_proj(emb)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return (x if self.skip is None else self.skip(x)) + h


class UNet(nn.Module):
    def __init__(self, side=14, channels=(32, 64), embed_dim=32, groups=8, classes=10):
        super().__init__()
        L, te = len(channels), 4 * channels[0]
        self.E = embed_dim
        self.time1, self.time2 = nn.Linear(embed_dim, te), nn.Linear(te, te)
        self.class_table = nn.Embedding(classes + 1, te) if classes else None
        self.conv_in = nn.Conv2d(1, channels[0], 3, padding=1)
        self.down = nn.ModuleList(ResBlock(channels[0] if l == 0 else channels[l - 1], c, te, groups) for l, c in enumerate(channels))
        self.down_sample = nn.ModuleList(nn.Conv2d(c, c, 3, stride=2, padding=1) for c in channels[:-1])
        self.middle = ResBlock(channels[-1], channels[-1], te, groups)
        self.up = nn.ModuleList(ResBlock(2 * c, c, te, groups) for c in reversed(channels))
        self.up_sample = nn.ModuleList(nn.Conv2d(channels[l], channels[l - 1], 3, padding=1) for l in reversed(range(1, L)))
        self.norm_out = nn.GroupNorm(groups, channels[0])
        self.conv_out = zero(nn.Conv2d(channels[0], 1, 3, padding=1))
        self.side = side

    def time_embedding(self, t):
        half = self.E // 2
        omega = torch.exp(-math.log(10000) * torch.arange(half) / half)
        angles = t.float()[:, None] * omega[None]
        return torch.cat([torch.sin(angles), torch.cos(angles)], 1)

    def forward(self, x_flat, t, c=None):
        B = x_flat.shape[0]
        emb = self.time2(F.silu(self.time1(self.time_embedding(t))))
        if self.class_table is not None:
            emb = emb + self.class_table(c)
        h = self.conv_in(x_flat.view(B, 1, self.side, self.side))
        skips = []
        for l, block in enumerate(self.down):
            h = block(h, emb)
            skips.append(h)
            if l < len(self.down_sample):
                h = self.down_sample[l](h)
        h = self.middle(h, emb)
        for l, block in enumerate(self.up):
            h = block(torch.cat([h, skips.pop()], 1), emb)
            if l < len(self.up_sample):
                h = self.up_sample[l](F.interpolate(h, scale_factor=2, mode="nearest"))
        return self.conv_out(F.silu(self.norm_out(h))).view(B, -1)


def conditional_loss(net, x0, labels, alpha_bar, p_uncond):
    """lib/conditional.ts conditionalLoss: labels dropped to K with probability p_uncond, t uniform, L_simple."""
    B, T, K = x0.shape[0], alpha_bar.shape[0], net.class_table.num_embeddings - 1
    c = torch.where(torch.rand(B) < p_uncond, torch.full_like(labels, K), labels)
    t = torch.randint(0, T, (B,))
    eps = torch.randn_like(x0)
    ab = alpha_bar[t][:, None]
    return F.mse_loss(net(ab.sqrt() * x0 + (1 - ab).sqrt() * eps, t, c), eps)
