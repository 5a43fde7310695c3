"""PyTorch reference for `npm run bench`: the models of bench/models.ts, entry for entry (same
shapes, same losses, Adam, same batch), timed the same way: median ms per train step over
--steps steps after --warmup steps (and at least --warmup-seconds of them). Prints one JSON line: {"torch", "threads", "msPerStep": {name: ms}}.

Run by bench/run.ts with /usr/bin/python3 (Debian's python3-torch) and OMP_WAIT_POLICY=PASSIVE.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "reference"))
from unet_torch import UNet, conditional_loss  # noqa: E402


def mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def vae():
    B, D, Z = 128, 784, 20
    encoder = nn.Linear(D, 400)
    to_z_mean, to_z_log_var = nn.Linear(400, Z), nn.Linear(400, Z)
    decoder = mlp([Z, 400, D])
    modules = nn.ModuleList([encoder, to_z_mean, to_z_log_var, decoder])
    opt = torch.optim.Adam(modules.parameters(), lr=1e-3)
    x = (torch.rand(B, D) < 0.3).float()

    def step():
        h = F.relu(encoder(x))
        z_mean, z_log_var = to_z_mean(h), to_z_log_var(h)
        z = z_mean + torch.exp(0.5 * z_log_var) * torch.randn(B, Z)
        logits = decoder(z)
        recon = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
        kl = -0.5 * torch.sum(1 + z_log_var - z_mean.pow(2) - z_log_var.exp())
        loss = (recon + kl) / B
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    return step


def ddpm():
    B, T, E = 1024, 1000, 16
    eps_theta = mlp([2 + E, 128, 128, 128, 2])
    opt = torch.optim.Adam(eps_theta.parameters(), lr=1e-3)
    beta = torch.linspace(1e-4, 0.02, T)
    alpha_bar = torch.cumprod(1 - beta, 0)
    freqs = torch.exp(-math.log(10000) * torch.arange(E // 2) / (E // 2))
    angle = torch.rand(B) * math.pi
    upper = torch.rand(B) < 0.5
    px = torch.where(upper, torch.cos(angle), 1 - torch.cos(angle))
    py = torch.where(upper, torch.sin(angle), 0.5 - torch.sin(angle))
    x0 = torch.stack([px, py], 1) + 0.05 * torch.randn(B, 2)

    def step():
        t = torch.randint(0, T, (B,))
        eps = torch.randn(B, 2)
        ab = alpha_bar[t].unsqueeze(1)
        x_t = ab.sqrt() * x0 + (1 - ab).sqrt() * eps
        angles = t.float().unsqueeze(1) * freqs
        inp = torch.cat([x_t, torch.sin(angles), torch.cos(angles)], 1)
        loss = F.mse_loss(eps_theta(inp), eps)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    return step


def gan():
    B = 512
    generator = mlp([2, 128, 128, 2])
    discriminator = mlp([2, 128, 128, 1])
    g_opt = torch.optim.Adam(generator.parameters(), lr=1e-3, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam(discriminator.parameters(), lr=1e-3, betas=(0.5, 0.999))

    def bce(logits, label):
        return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, label))

    def step():
        angle = torch.rand(B) * 2 * math.pi
        real = torch.stack([torch.cos(angle), torch.sin(angle)], 1) + 0.05 * torch.randn(B, 2)
        with torch.no_grad():
            fake = generator(torch.randn(B, 2))
        d_loss = bce(discriminator(real), 1.0) + bce(discriminator(fake), 0.0)
        d_opt.zero_grad()
        d_loss.backward()
        d_opt.step()
        g_loss = bce(discriminator(generator(torch.randn(B, 2))), 1.0)
        g_opt.zero_grad()
        g_loss.backward()
        g_opt.step()
        return d_loss.item() + g_loss.item()

    return step


def cond_ddpm():
    """lib/conditional.ts createCondEpsMLP on 14x14 digits: class embedding (K + 1 = 11 rows, C 16)
    appended to x_t, then lib/diffusion.ts's residual eps-MLP: W_in on [x, emb_t]; 3 blocks
    h <- h + W2 relu(W1 [relu(h), emb_t]); W_out relu(h); first D outputs. Batch 128."""
    B, D, C, E, H, T, K = 128, 196, 16, 32, 256, 1000, 10
    class_embedding = nn.Embedding(K + 1, C)
    w_in = nn.Linear(D + C + E, H)
    blocks = nn.ModuleList([nn.ModuleList([nn.Linear(H + E, H), nn.Linear(H, H)]) for _ in range(3)])
    w_out = nn.Linear(H, D + C)
    params = list(class_embedding.parameters()) + list(w_in.parameters()) + list(blocks.parameters()) + list(w_out.parameters())
    opt = torch.optim.Adam(params, lr=1e-3)
    beta = torch.linspace(1e-4, 0.02, T)
    alpha_bar = torch.cumprod(1 - beta, 0)
    freqs = torch.exp(-math.log(10000) * torch.arange(E // 2) / (E // 2))
    x0 = torch.rand(B, D) * 2 - 1
    labels = torch.randint(0, K, (B,))

    def step():
        c = torch.where(torch.rand(B) < 0.1, torch.full_like(labels, K), labels)
        t = torch.randint(0, T, (B,))
        eps = torch.randn(B, D)
        ab = alpha_bar[t].unsqueeze(1)
        x_t = ab.sqrt() * x0 + (1 - ab).sqrt() * eps
        angles = t.float().unsqueeze(1) * freqs
        emb = torch.cat([torch.sin(angles), torch.cos(angles)], 1)
        h = w_in(torch.cat([x_t, class_embedding(c), emb], 1))
        for w1, w2 in blocks:
            h = h + w2(F.relu(w1(torch.cat([F.relu(h), emb], 1))))
        loss = F.mse_loss(w_out(F.relu(h))[:, :D], eps)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    return step


class Block(nn.Module):
    def __init__(self, D, H):
        super().__init__()
        self.H = H
        self.ln1, self.ln2 = nn.LayerNorm(D), nn.LayerNorm(D)
        self.qkv, self.proj = nn.Linear(D, 3 * D), nn.Linear(D, D)
        self.fc, self.fc_out = nn.Linear(D, 4 * D), nn.Linear(4 * D, D)

    def attention(self, x, mask):
        B, T, D = x.shape
        q, k, v = self.qkv(x).split(D, 2)
        q, k, v = (p.view(B, T, self.H, D // self.H).transpose(1, 2) for p in (q, k, v))  # (B, H, T, hs)
        scores = q @ k.transpose(-2, -1) / math.sqrt(D // self.H) + mask  # (B, H, T, T)
        y = F.softmax(scores, -1) @ v  # (B, H, T, hs)
        return self.proj(y.transpose(1, 2).reshape(B, T, D))

    def forward(self, x, mask):
        x = x + self.attention(self.ln1(x), mask)
        return x + self.fc_out(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))


def gpt_step(B, T, D, H, V, L, lr, data):
    """A pre-norm GPT (lib/transformer.ts): token embedding + learned positions, L blocks, final
    LayerNorm, linear head; one Adam step on the batch data() returns."""
    tok = nn.Embedding(V, D)
    pos = nn.Parameter(0.02 * torch.randn(T, D))
    blocks = nn.ModuleList([Block(D, H) for _ in range(L)])
    ln_f, head = nn.LayerNorm(D), nn.Linear(D, V)
    params = list(tok.parameters()) + [pos] + list(blocks.parameters()) + list(ln_f.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=lr)
    mask = torch.triu(torch.full((T, T), -1e9), 1)

    def step():
        idx, targets = data()
        x = tok(idx) + pos
        for block in blocks:
            x = block(x, mask)
        logits = head(ln_f(x))
        loss = F.cross_entropy(logits.view(-1, V), targets.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    return step


def gpt():
    B, T, V = 32, 64, 65
    corpus = torch.tensor([(i * 7 + int(torch.randint(0, 3, ()))) % V for i in range(20_000)])

    def data():
        starts = torch.randint(0, len(corpus) - T - 1, (B,))
        idx = torch.stack([corpus[s : s + T] for s in starts.tolist()])
        targets = torch.stack([corpus[s + 1 : s + T + 1] for s in starts.tolist()])
        return idx, targets

    return gpt_step(B=B, T=T, D=128, H=4, V=V, L=4, lr=3e-4, data=data)


POEMS = {"B": 32, "T": 25, "V": 3761}


def poem_batch():
    B, T, V = POEMS["B"], POEMS["T"], POEMS["V"]
    return torch.randint(0, V, (B, T)), torch.randint(0, V, (B, T))


def lstm_poems():
    """Notebook 03's LSTM: embedding 32, one LSTM layer of 128 (sigmoid gates), dense to V."""
    V = POEMS["V"]
    emb, lstm, head = nn.Embedding(V, 32), nn.LSTM(32, 128, batch_first=True), nn.Linear(128, V)
    opt = torch.optim.Adam(list(emb.parameters()) + list(lstm.parameters()) + list(head.parameters()), lr=1e-2)

    def step():
        x, y = poem_batch()
        h, _ = lstm(emb(x))
        loss = F.cross_entropy(head(h).reshape(-1, V), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    return step


def gpt_poems():
    return gpt_step(B=POEMS["B"], T=POEMS["T"], D=64, H=4, V=POEMS["V"], L=2, lr=3e-3, data=poem_batch)


# Convolution stacks (bench/models.ts convStack): a U-Net's 3x3 convolutions at 28x28 digits, batch 64.
def unet_digits():
    """lib/unet.ts createUNet({ side: 14, channels: [32, 64], embedDim: 32, groups: 8, classes: 10 }),
    conditionalLoss with p_uncond 0.2, Adam 5e-4, batch 64 (tests/reference/unet_torch.py)."""
    B = 64
    net = UNet(14, (32, 64), 32, 8, 10)
    opt = torch.optim.Adam(net.parameters(), lr=5e-4)
    alpha_bar = torch.cumprod(1 - torch.linspace(1e-4, 0.02, 1000), 0)
    x0 = torch.rand(B, 196) * 2 - 1
    labels = torch.randint(0, 10, (B,))

    def step():
        loss = conditional_loss(net, x0, labels, alpha_bar, 0.2)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    return step


def conv_stack(transposed):
    def make():
        B = 64
        same = dict(padding=1)
        down = nn.ModuleList([
            nn.Conv2d(1, 32, 3, **same), nn.Conv2d(32, 32, 3, **same),
            nn.Conv2d(32, 64, 3, stride=2, **same), nn.Conv2d(64, 64, 3, **same),
            nn.Conv2d(64, 128, 3, stride=2, **same), nn.Conv2d(128, 128, 3, **same),
        ])
        if transposed:
            ups = [nn.ConvTranspose2d(128, 64, 3, stride=2, padding=1, output_padding=1),
                   nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1)]
        else:
            ups = [nn.Conv2d(128, 64, 3, **same), nn.Conv2d(64, 32, 3, **same)]
        up = nn.ModuleList([ups[0], nn.Conv2d(64, 64, 3, **same), ups[1], nn.Conv2d(32, 32, 3, **same), nn.Conv2d(32, 1, 1)])
        opt = torch.optim.Adam(list(down.parameters()) + list(up.parameters()), lr=1e-3)
        x = torch.rand(B, 1, 28, 28) * 2 - 1
        target = torch.randn(B, 1, 28, 28)

        def upsample(h, conv):
            return F.relu(conv(h if transposed else F.interpolate(h, scale_factor=2, mode="nearest")))

        def step():
            h = x
            for conv in down:
                h = F.relu(conv(h))
            h = F.relu(up[1](upsample(h, up[0])))  # [B, 64, 14, 14]
            h = F.relu(up[3](upsample(h, up[2])))  # [B, 32, 28, 28]
            loss = F.mse_loss(up[4](h), target)
            opt.zero_grad()
            loss.backward()
            opt.step()
            return loss.item()

        return step

    return make


MODELS = {
    "vae-mlp": vae,
    "ddpm-mlp": ddpm,
    "gan-ring": gan,
    "cond-ddpm": cond_ddpm,
    "lstm-poems": lstm_poems,
    "gpt-poems": gpt_poems,
    "gpt-tiny": gpt,
    "unet-digits": unet_digits,
    "conv-stack": conv_stack(False),
    "conv-stack-transpose": conv_stack(True),
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--warmup-seconds", type=float, default=0.0)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    result = {}
    for name in args.models.split(","):
        step = MODELS[name]()
        times = []
        warmup, started = args.warmup, time.perf_counter()
        i = 0
        while i < warmup + args.steps:
            if i == warmup - 1 and time.perf_counter() - started < args.warmup_seconds:
                warmup += 1
            t0 = time.perf_counter()
            loss = step()
            ms = (time.perf_counter() - t0) * 1000
            if not math.isfinite(loss):
                raise SystemExit(f"{name}: loss is {loss} at step {i}")
            if i >= warmup:
                times.append(ms)
            i += 1
        result[name] = statistics.median(times)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "msPerStep": result}))


if __name__ == "__main__":
    main()
